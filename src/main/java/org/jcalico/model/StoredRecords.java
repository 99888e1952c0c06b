package org.jcalico.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The stored form of the kinds a list reads by the thousand (pools and their blocks, endpoints and their statuses),
 * read by a cursor of its own and the records' own constructors, without Jackson: in a fresh JVM the mapper's first
 * decoding of a kind (its configuration, the records' introspection, an annotation proxy class made at run time for
 * each annotation type it reads) cost a cold `container list` more than all of its own work, and so, after that, did
 * Jackson's streaming parser: its base class's constants initialise {@code java.math.BigDecimal}, whose static
 * table of 5^(2^n) squares numbers of up to 150,000 bits in the interpreter, 28 ms of CPU in a command's JVM
 * (docs/agent.md, "Start-up of a command", session 33).
 *
 * <p>It reads only exactly what {@link ResourceCodec#toJson} writes: no white space, "kind" first, each field once
 * with the JSON type the mapper writes, no null, integers without a fraction or an exponent, nothing after the
 * object. For anything else, and for a value a constructor refuses, it answers null and the mapper decides, so that
 * what is accepted, and every error message, stays the mapper's; where it answers, it answers what the mapper would
 * (StoredRecordsTest holds both to that).
 */
final class StoredRecords {
    private StoredRecords() {
    }

    /** The resource this stored form holds; null when it is not one that this class reads exactly as the mapper. */
    static Resource read(String json) {
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        if (utf8.length != json.length() && !json.equals(new String(utf8, StandardCharsets.UTF_8))) {
            // an unpaired surrogate, which UTF-8 cannot carry: the mapper reads the text as it is
            return null;
        }
        return read(utf8, 0, utf8.length);
    }

    /**
     * The same, read from LENGTH bytes of UTF-8 at OFFSET, which stand for the text {@code new String(utf8, offset,
     * length, UTF_8)} (bytes that are not UTF-8 read as U+FFFD, as there): the agent's listing reads its values so,
     * straight from the page etcd sent, without a string of each value in between.
     */
    static Resource read(byte[] utf8, int offset, int length) {
        try {
            Fields fields = new Fields(utf8, offset, offset + length);
            fields.open();
            if (!"kind".equals(fields.next())) {
                return null;
            }
            Resource resource = switch (fields.word()) {
                case IpPool.KIND -> pool(fields);
                case IpamBlock.KIND -> block(fields);
                case WorkloadEndpoint.KIND -> endpoint(fields);
                case EndpointStatus.KIND -> status(fields);
                default -> null;
            };
            return resource != null && fields.atEnd() ? resource : null;
        } catch (RuntimeException e) {
            // not exactly the stored form (or a value the record refuses): the mapper's way reads it, or names the fault
            return null;
        }
    }

    private static IpPool pool(Fields fields) {
        Cidr cidr = null;
        boolean natOutgoing = false;
        Integer blockSize = null;
        boolean disabled = false;
        String poolName = null;
        for (String field; (field = fields.next()) != null; ) {
            switch (field) {
                case "cidr" -> cidr = fields.cidr();
                case "natOutgoing" -> natOutgoing = fields.bool();
                case "blockSize" -> blockSize = fields.integer();
                case "disabled" -> disabled = fields.bool();
                case "poolName" -> poolName = fields.text();
                default -> throw Fields.UNREAD;
            }
        }
        return new IpPool(cidr, natOutgoing, blockSize, disabled, poolName);
    }

    private static IpamBlock block(Fields fields) {
        Cidr cidr = null;
        String affinity = null;
        Map<Integer, String> allocations = null;
        for (String field; (field = fields.next()) != null; ) {
            switch (field) {
                case "cidr" -> cidr = fields.cidr();
                case "affinity" -> affinity = fields.text();
                case "allocations" -> allocations = fields.map(StoredRecords::offset);
                default -> throw Fields.UNREAD;
            }
        }
        return new IpamBlock(cidr, affinity, allocations);
    }

    private static WorkloadEndpoint endpoint(Fields fields) {
        String node = null;
        String orchestrator = null;
        String containerId = null;
        String endpointId = null;
        String interfaceName = null;
        String mac = null;
        List<Cidr> ipv4Nets = null;
        List<Cidr> ipv6Nets = null;
        List<String> profileIds = null;
        String state = null;
        String namespace = null;
        Map<String, String> labels = null;
        List<EndpointPort> ports = null;
        Long createdAtMillis = null;
        List<Cidr> allowSpoofedSourcePrefixes = null;
        for (String field; (field = fields.next()) != null; ) {
            switch (field) {
                case "node" -> node = fields.text();
                case "orchestrator" -> orchestrator = fields.text();
                case "containerId" -> containerId = fields.text();
                case "endpointId" -> endpointId = fields.text();
                case "interfaceName" -> interfaceName = fields.text();
                case "mac" -> mac = fields.text();
                case "ipv4Nets" -> ipv4Nets = fields.list(Fields::cidr);
                case "ipv6Nets" -> ipv6Nets = fields.list(Fields::cidr);
                case "profileIds" -> profileIds = fields.list(Fields::text);
                case "state" -> state = fields.text();
                case "namespace" -> namespace = fields.text();
                case "labels" -> labels = fields.map(Function.identity());
                case "ports" -> ports = fields.list(StoredRecords::port);
                case "createdAtMillis" -> createdAtMillis = fields.longInteger();
                case "allowSpoofedSourcePrefixes" -> allowSpoofedSourcePrefixes = fields.list(Fields::cidr);
                default -> throw Fields.UNREAD;
            }
        }
        return new WorkloadEndpoint(node, orchestrator, containerId, endpointId, interfaceName, mac, ipv4Nets, ipv6Nets,
                profileIds, state, namespace, labels, ports, createdAtMillis, allowSpoofedSourcePrefixes);
    }

    private static EndpointStatus status(Fields fields) {
        String node = null;
        String endpointId = null;
        EndpointStatus.State state = null;
        String detail = null;
        long updatedAtMillis = 0;
        Long endpointCreatedAtMillis = null;
        for (String field; (field = fields.next()) != null; ) {
            switch (field) {
                case "node" -> node = fields.text();
                case "endpointId" -> endpointId = fields.text();
                // by the constant's name only: the mapper's alias of the old name is the mapper's to read
                case "state" -> state = EndpointStatus.State.valueOf(fields.text());
                case "detail" -> detail = fields.text();
                case "updatedAtMillis" -> updatedAtMillis = fields.longInteger();
                case "endpointCreatedAtMillis" -> endpointCreatedAtMillis = fields.longInteger();
                default -> throw Fields.UNREAD;
            }
        }
        return new EndpointStatus(node, endpointId, state, detail, updatedAtMillis, endpointCreatedAtMillis);
    }

    private static EndpointPort port(Fields fields) {
        fields.open();
        String name = null;
        Protocol protocol = null;
        int port = 0;
        for (String field; (field = fields.next()) != null; ) {
            switch (field) {
                case "name" -> name = fields.text();
                case "protocol" -> protocol = Protocol.parse(fields.text());
                case "port" -> port = fields.integer();
                default -> throw Fields.UNREAD;
            }
        }
        return new EndpointPort(name, protocol, port);
    }

    /**
     * An allocation's offset as the mapper writes it, in decimal digits without a sign or a leading zero: the mapper
     * reads others too ("+1", "01"), and those are its to read.
     */
    private static Integer offset(String key) {
        if (key.isEmpty() || key.length() > 9 || (key.length() > 1 && key.charAt(0) == '0')) {
            throw Fields.UNREAD;
        }
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) < '0' || key.charAt(i) > '9') {
                throw Fields.UNREAD;
            }
        }
        return Integer.valueOf(key);
    }

    /**
     * A cursor over the stored form's UTF-8 bytes, at a value or a member of an object: each value of the one JSON type
     * the mapper writes for it, structure as the mapper writes it (no white space), each member's name once in its
     * object (the mapper's strict duplicate detection). The bytes that structure JSON are ASCII, which UTF-8 never uses
     * within the encoding of another character, so they are found in the bytes as in the text; a text is decoded from
     * its bytes alone (ASCII, the common case, as Latin-1: one copy), and so are the members' names, which are the
     * known {@link #WORDS} without a string made for them.
     */
    private static final class Fields {
        static final Unread UNREAD = new Unread();
        /** The names and kinds this class reads, found in the bytes without a string made for each. */
        private static final List<String> WORDS = List.of("kind", IpPool.KIND, IpamBlock.KIND, WorkloadEndpoint.KIND,
                EndpointStatus.KIND, "cidr", "natOutgoing", "blockSize", "disabled", "poolName", "affinity", "allocations",
                "node", "orchestrator", "containerId", "endpointId", "interfaceName", "mac", "ipv4Nets", "ipv6Nets",
                "profileIds", "state", "namespace", "labels", "ports", "createdAtMillis", "allowSpoofedSourcePrefixes",
                "name", "protocol", "port", "detail", "updatedAtMillis", "endpointCreatedAtMillis");
        private static final byte[][] WORD_BYTES = WORDS.stream().map(word -> word.getBytes(StandardCharsets.US_ASCII))
                .toArray(byte[][]::new);
        private final byte[] json;
        private final int end;
        /**
         * The names met so far in the objects open around the cursor, the outermost's first, and where each object's
         * own begin: an object mostly has a few names, so a scan finds a duplicate without a set made for each object
         * (the agent's start reads every endpoint of the cluster through here); an object of more than {@link #SCANNED}
         * (an endpoint's labels, which are not bounded in number) gets a set of its names, in {@link #large} at its
         * depth: a scan for each of 120,000 labels took 34 s for one endpoint of 1.45 MB, the mapper 1.4 s.
         */
        private static final int SCANNED = 32;
        private String[] names = new String[8];
        private int named;
        private int[] objects = new int[4];
        private final List<Set<String>> large = new ArrayList<>();
        private int depth;
        private int at;

        Fields(byte[] json, int from, int to) {
            this.json = json;
            this.at = from;
            this.end = to;
        }

        /** Enters the object that is the current value. */
        void open() {
            expect('{');
            if (depth == objects.length) {
                objects = Arrays.copyOf(objects, 2 * depth);
            }
            objects[depth++] = named;
            if (large.size() < depth) {
                large.add(null);
            }
        }

        /** The next member's name, the cursor then at its value; null at the end of the object, which it leaves. */
        String next() {
            int first = objects[depth - 1];
            if (take('}')) {
                Arrays.fill(names, first, named, null);
                named = first;
                large.set(--depth, null);
                return null;
            }
            if (named > first) {
                expect(',');
            }
            String name = word();
            if (!isNew(first, name)) {
                throw UNREAD;
            }
            if (named == names.length) {
                names = Arrays.copyOf(names, 2 * named);
            }
            names[named++] = name;
            expect(':');
            return name;
        }

        /** Whether the current object, whose names begin at FIRST, has not had NAME yet. */
        private boolean isNew(int first, String name) {
            if (named - first < SCANNED) {
                for (int i = first; i < named; i++) {
                    if (names[i].equals(name)) {
                        return false;
                    }
                }
                return true;
            }
            Set<String> met = large.get(depth - 1);
            if (met == null) {
                met = new HashSet<>(Arrays.asList(names).subList(first, named));
                large.set(depth - 1, met);
            }
            return met.add(name);
        }

        /** Whether the whole stored form has been read. */
        boolean atEnd() {
            return at == end;
        }

        /** A text that is most likely one of the {@link #WORDS} (a name, a kind): that constant where it is one. */
        String word() {
            int from = at + 1;
            int close = from;
            while (close < end && json[close] >= 0x20 && json[close] != '"' && json[close] != '\\') {
                close++;
            }
            if (at < end && json[at] == '"' && close < end && json[close] == '"') {
                for (int i = 0; i < WORD_BYTES.length; i++) {
                    byte[] word = WORD_BYTES[i];
                    if (word.length == close - from && Arrays.equals(word, 0, word.length, json, from, close)) {
                        at = close + 1;
                        return WORDS.get(i);
                    }
                }
            }
            return text();
        }

        String text() {
            expect('"');
            StringBuilder text = null;
            int from = at;
            boolean ascii = true;
            while (true) {
                byte b = byteAt(at++);
                if (b == '"') {
                    String last = decoded(from, at - 1, ascii);
                    return text == null ? last : text.append(last).toString();
                }
                if (b >= 0 && b < 0x20) {
                    throw UNREAD;
                }
                ascii &= b >= 0;
                if (b == '\\') {
                    text = (text == null ? new StringBuilder() : text).append(decoded(from, at - 1, ascii)).append(escaped());
                    from = at;
                    ascii = true;
                }
            }
        }

        /** The text of the bytes [from, to), none of them a quote, a backslash or a control character. */
        private String decoded(int from, int to, boolean ascii) {
            return new String(json, from, to - from, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        }

        boolean bool() {
            if (startsWith("true")) {
                at += 4;
                return true;
            }
            if (startsWith("false")) {
                at += 5;
                return false;
            }
            throw UNREAD;
        }

        private boolean startsWith(String word) {
            if (end - at < word.length()) {
                return false;
            }
            for (int i = 0; i < word.length(); i++) {
                if (json[at + i] != word.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        int integer() {
            long value = longInteger();
            if (value != (int) value) {
                throw UNREAD;
            }
            return (int) value;
        }

        /** An integer as JSON writes one: an optional minus, then 0 or digits without a leading zero (18 at most). */
        long longInteger() {
            boolean negative = take('-');
            int from = at;
            long value = 0;
            while (at < end && json[at] >= '0' && json[at] <= '9' && (at == from || json[from] != '0')) {
                value = 10 * value + (json[at++] - '0');
            }
            if (at == from || at - from > 18) {
                throw UNREAD;
            }
            return negative ? -value : value;
        }

        Cidr cidr() {
            return Cidr.parse(text());
        }

        <T> List<T> list(Element<T> element) {
            expect('[');
            List<T> values = new ArrayList<>();
            if (take(']')) {
                return values;
            }
            do {
                values.add(element.read(this));
            } while (take(','));
            expect(']');
            return values;
        }

        <K> Map<K, String> map(Function<String, K> key) {
            open();
            Map<K, String> values = new LinkedHashMap<>();
            for (String field; (field = next()) != null; ) {
                values.put(key.apply(field), text());
            }
            return values;
        }

        /** The character that the escape after a backslash stands for. */
        private char escaped() {
            byte b = byteAt(at++);
            return switch (b) {
                case '"', '\\', '/' -> (char) b;
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    if (at + 4 > end) {
                        throw UNREAD;
                    }
                    int code = 0;
                    for (int stop = at + 4; at < stop; at++) {
                        int digit = hexDigit(json[at]);
                        code = code * 16 + digit;
                    }
                    yield (char) code;
                }
                default -> throw UNREAD;
            };
        }

        /** An ASCII hex digit's value, as JSON's escapes have them (the mapper takes no other digits there). */
        private static int hexDigit(byte b) {
            if (b >= '0' && b <= '9') {
                return b - '0';
            }
            if (b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F') {
                return (b | 0x20) - 'a' + 10;
            }
            throw UNREAD;
        }

        private boolean take(char c) {
            if (at < end && json[at] == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!take(c)) {
                throw UNREAD;
            }
        }

        private byte byteAt(int index) {
            if (index >= end) {
                throw UNREAD;
            }
            return json[index];
        }
    }

    /** Thrown where the input is not exactly the stored form; one instance without a stack trace, as nothing reads it. */
    private static final class Unread extends RuntimeException {
        Unread() {
            super("not the stored form", null, false, false);
        }
    }

    /** Reads one element of a list, its first token current. */
    private interface Element<T> {
        T read(Fields fields);
    }
}
