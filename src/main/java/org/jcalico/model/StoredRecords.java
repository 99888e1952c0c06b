package org.jcalico.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The stored form of the kinds a list reads by the thousand (pools and their blocks, endpoints and their statuses),
 * read with Jackson's streaming parser and the records' own constructors, without the mapper: in a fresh JVM the
 * mapper's first decoding of a kind (its configuration, the records' introspection, an annotation proxy class made
 * at run time for each annotation type it reads) cost a cold `container list` more than all of its own work
 * (docs/agent.md, "Start-up of a command").
 *
 * <p>It reads only exactly what {@link ResourceCodec#toJson} writes: "kind" first, each field once with the JSON
 * type the mapper writes, no null, nothing after the object. For anything else, and for a value a constructor
 * refuses, it answers null and the mapper decides, so that what is accepted, and every error message, stays the
 * mapper's; where it answers, it answers what the mapper would (StoredRecordsTest holds both to that).
 */
final class StoredRecords {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private StoredRecords() {
    }

    /** The resource this stored form holds; null when it is not one that this class reads exactly as the mapper. */
    static Resource read(String json) {
        try (JsonParser parser = FACTORY.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT || !"kind".equals(parser.nextFieldName())
                    || parser.nextToken() != JsonToken.VALUE_STRING) {
                return null;
            }
            Fields fields = new Fields(parser);
            Resource resource = switch (parser.getText()) {
                case IpPool.KIND -> pool(fields);
                case IpamBlock.KIND -> block(fields);
                case WorkloadEndpoint.KIND -> endpoint(fields);
                case EndpointStatus.KIND -> status(fields);
                default -> null;
            };
            return resource != null && parser.nextToken() == null ? resource : null;
        } catch (IOException | RuntimeException e) {
            // not exactly the stored form (or a value the record refuses): the mapper's way reads it, or names the fault
            return null;
        }
    }

    private static IpPool pool(Fields fields) throws IOException {
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

    private static IpamBlock block(Fields fields) throws IOException {
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

    private static WorkloadEndpoint endpoint(Fields fields) throws IOException {
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

    private static EndpointStatus status(Fields fields) throws IOException {
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

    private static EndpointPort port(Fields fields) throws IOException {
        if (fields.parser.currentToken() != JsonToken.START_OBJECT) {
            throw Fields.UNREAD;
        }
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

    /** The values of one JSON object, each of the one JSON type the mapper writes for it. */
    private static final class Fields {
        static final Unread UNREAD = new Unread();
        final JsonParser parser;

        Fields(JsonParser parser) {
            this.parser = parser;
        }

        /** The next field's name, its value the current token; null at the object's end. */
        String next() throws IOException {
            JsonToken token = parser.nextToken();
            if (token == JsonToken.END_OBJECT) {
                return null;
            }
            String name = parser.currentName();
            parser.nextToken();
            return name;
        }

        String text() throws IOException {
            expect(JsonToken.VALUE_STRING);
            return parser.getText();
        }

        boolean bool() {
            if (parser.currentToken() == JsonToken.VALUE_TRUE) {
                return true;
            }
            expect(JsonToken.VALUE_FALSE);
            return false;
        }

        int integer() throws IOException {
            expect(JsonToken.VALUE_NUMBER_INT);
            if (parser.getNumberType() != JsonParser.NumberType.INT) {
                throw UNREAD;
            }
            return parser.getIntValue();
        }

        long longInteger() throws IOException {
            expect(JsonToken.VALUE_NUMBER_INT);
            JsonParser.NumberType type = parser.getNumberType();
            if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
                throw UNREAD;
            }
            return parser.getLongValue();
        }

        Cidr cidr() throws IOException {
            return Cidr.parse(text());
        }

        <T> List<T> list(Element<T> element) throws IOException {
            expect(JsonToken.START_ARRAY);
            List<T> values = new ArrayList<>();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                values.add(element.read(this));
            }
            return values;
        }

        <K> Map<K, String> map(Function<String, K> key) throws IOException {
            expect(JsonToken.START_OBJECT);
            Map<K, String> values = new LinkedHashMap<>();
            for (String field; (field = next()) != null; ) {
                values.put(key.apply(field), text());
            }
            return values;
        }

        private void expect(JsonToken token) {
            if (parser.currentToken() != token) {
                throw UNREAD;
            }
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
        T read(Fields fields) throws IOException;
    }
}
