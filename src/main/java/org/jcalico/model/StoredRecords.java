package org.jcalico.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        try {
            Fields fields = new Fields(json);
            fields.open();
            if (!"kind".equals(fields.next())) {
                return null;
            }
            Resource resource = switch (fields.text()) {
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
        for (String field; (field = fields.next()) != null; ) {
            switch (field) {
                case "node" -> node = fields.text();
                case "endpointId" -> endpointId = fields.text();
                // by the constant's name only: the mapper's alias of the old name is the mapper's to read
                case "state" -> state = EndpointStatus.State.valueOf(fields.text());
                case "detail" -> detail = fields.text();
                case "updatedAtMillis" -> updatedAtMillis = fields.longInteger();
                default -> throw Fields.UNREAD;
            }
        }
        return new EndpointStatus(node, endpointId, state, detail, updatedAtMillis);
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
     * A cursor over the stored form, at a value or a member of an object: each value of the one JSON type the mapper
     * writes for it, structure as the mapper writes it (no white space), each member's name once in its object (the
     * mapper's strict duplicate detection).
     */
    private static final class Fields {
        static final Unread UNREAD = new Unread();
        private final String json;
        /**
         * The names met so far in the objects open around the cursor, the outermost's first, and where each object's
         * own begin: an object has a few names (a block's allocations 64 at most), so a scan finds a duplicate
         * without a set made for each object (the agent's start reads every endpoint of the cluster through here).
         */
        private final List<String> names = new ArrayList<>();
        private final Deque<Integer> objects = new ArrayDeque<>();
        private int at;

        Fields(String json) {
            this.json = json;
        }

        /** Enters the object that is the current value. */
        void open() {
            expect('{');
            objects.push(names.size());
        }

        /** The next member's name, the cursor then at its value; null at the end of the object, which it leaves. */
        String next() {
            int first = objects.element();
            if (take('}')) {
                names.subList(first, names.size()).clear();
                objects.pop();
                return null;
            }
            if (names.size() > first) {
                expect(',');
            }
            String name = text();
            if (names.subList(first, names.size()).contains(name)) {
                throw UNREAD;
            }
            names.add(name);
            expect(':');
            return name;
        }

        /** Whether the whole stored form has been read. */
        boolean atEnd() {
            return at == json.length();
        }

        String text() {
            expect('"');
            StringBuilder text = null;
            int from = at;
            while (true) {
                char c = charAt(at++);
                if (c == '"') {
                    return text == null ? json.substring(from, at - 1) : text.append(json, from, at - 1).toString();
                }
                if (c < 0x20) {
                    throw UNREAD;
                }
                if (c == '\\') {
                    text = (text == null ? new StringBuilder() : text).append(json, from, at - 1).append(escaped());
                    from = at;
                }
            }
        }

        boolean bool() {
            if (json.startsWith("true", at)) {
                at += 4;
                return true;
            }
            if (json.startsWith("false", at)) {
                at += 5;
                return false;
            }
            throw UNREAD;
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
            while (at < json.length() && json.charAt(at) >= '0' && json.charAt(at) <= '9' && (at == from || json.charAt(from) != '0')) {
                at++;
            }
            if (at == from || at - from > 18) {
                throw UNREAD;
            }
            long value = Long.parseLong(json, from, at, 10);
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
            char c = charAt(at++);
            return switch (c) {
                case '"', '\\', '/' -> c;
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    if (at + 4 > json.length()) {
                        throw UNREAD;
                    }
                    int code = 0;
                    for (int end = at + 4; at < end; at++) {
                        int digit = Character.digit(json.charAt(at), 16);
                        if (digit < 0) {
                            throw UNREAD;
                        }
                        code = code * 16 + digit;
                    }
                    yield (char) code;
                }
                default -> throw UNREAD;
            };
        }

        private boolean take(char c) {
            if (at < json.length() && json.charAt(at) == c) {
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

        private char charAt(int index) {
            if (index >= json.length()) {
                throw UNREAD;
            }
            return json.charAt(index);
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
