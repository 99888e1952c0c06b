package org.jcalico.model;

import org.junit.jupiter.api.Tag;
import org.jcalico.testing.AloneTests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * StoredRecords answers what the mapper answers, or nothing (and then the mapper decides): on random resources of
 * every kind, well-formed and not, and on forms the mapper reads that StoredRecords leaves to it.
 */
@Tag(AloneTests.TAG)  // its bound compares two timed reads in this JVM
class StoredRecordsTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final List<String> READ = List.of(IpPool.KIND, IpamBlock.KIND, WorkloadEndpoint.KIND, EndpointStatus.KIND);

    @Test
    void answersWhatTheMapperAnswersOrNothing() throws Exception {
        ResourceGenerator generator = new ResourceGenerator(ResourcePropertyTest.SEED + 2, 0.15);
        int answered = 0;
        for (int i = 0; i < 6_000; i++) {
            Map<String, Object> raw = i % 3 == 0 ? generator.any() : generator.of(READ.get(i % READ.size()));
            String json = PLAIN.writeValueAsString(raw);
            Resource stored = StoredRecords.read(json);
            if (stored != null) {
                answered++;
                assertTrue(READ.contains(raw.get("kind")), json);
                assertEquals(byMapper(json), stored, json);
            }
        }
        assertTrue(answered > 1_000, "only " + answered + " answered");
    }

    /** Whatever the codec writes of these kinds, it reads back (a field renamed or added in a record shows here). */
    @Test
    void readsAllThatTheCodecWritesOfItsKinds() throws Exception {
        ResourceGenerator generator = new ResourceGenerator(ResourcePropertyTest.SEED + 3, 0);
        for (String kind : READ) {
            int read = 0;
            for (int i = 0; i < 500; i++) {
                Resource resource;
                try {
                    resource = ResourceCodec.fromJsonByMapper(PLAIN.writeValueAsString(generator.of(kind)));
                } catch (ValidationException e) {
                    continue; // a combination validation refuses
                }
                String stored = ResourceCodec.toJson(resource);
                assertEquals(resource, StoredRecords.read(stored), stored);
                read++;
            }
            assertTrue(read > 50, kind + ": only " + read + " of 500 accepted");
        }
    }

    @Test
    void leavesToTheMapperWhatTheCodecDoesNotWrite() {
        String endpoint = "\"node\":\"h1\",\"containerId\":\"c1\",\"endpointId\":\"e1\",\"interfaceName\":\"jc1\"";
        List<String> others = List.of(
                "{\"kind\":\"WorkloadEndpointStatus\",\"node\":\"h1\",\"endpointId\":\"e1\",\"state\":\"error\"}", // the old name
                "{\"kind\":\"IPAMBlock\",\"cidr\":\"10.0.0.0/26\",\"allocations\":{\"+1\":\"e1\"}}",
                "{\"kind\":\"IPAMBlock\",\"cidr\":\"10.0.0.0/26\",\"allocations\":{\"01\":\"e1\"}}",
                "{\"kind\":\"IPPool\",\"cidr\":\"10.0.0.0/16\",\"blockSize\":\"26\"}",
                "{\"kind\":\"IPPool\",\"cidr\":\"10.0.0.0/16\",\"natOutgoing\":null}",
                "{\"kind\":\"WorkloadEndpoint\"," + endpoint + ",\"ports\":[{\"name\":\"http\",\"protocol\":6,\"port\":80}]}",
                "{\"kind\":\"WorkloadEndpoint\"," + endpoint + ",\"labels\":{\"a\":\"1\",\"a\":\"2\"}}",
                "{\"cidr\":\"10.0.0.0/16\",\"kind\":\"IPPool\"}",
                "{\"kind\":\"IPPool\",\"cidr\":\"10.0.0.0/16\"} {}",
                "{\"kind\":\"IPPool\",\"cidr\":\"10.0.0.0/16\",\"blockSize\":26.0}",
                "{\"kind\":\"IPPool\",\"cidr\":\"10.0.0.0/16\",\"cidr\":\"10.1.0.0/16\"}",
                "{\"kind\":\"IPPool\",\"cidr\":\"10.0.0.0/33\"}");
        for (String json : others) {
            assertNull(StoredRecords.read(json), json);
        }
        assertEquals(EndpointStatus.State.failed, ((EndpointStatus) StoredForm.fromJson(others.get(0))).state());
        assertEquals(new IpamBlock(Cidr.parse("10.0.0.0/26"), null, Map.of(1, "e1")), StoredForm.fromJson(others.get(1)));
    }

    /** Escapes, numbers at the edges of their types, and structure the codec never writes: the mapper's answer or none. */
    @Test
    void readsEscapesAndNumbersAsTheMapperDoesOrLeavesThemToIt() {
        EndpointStatus written = new EndpointStatus("h1", "e1", EndpointStatus.State.failed,
                "rule \"a\\b\"\n\tfailed: \u0001 \u00e9\u4e2d/\ud83d\ude00", 1_700_000_000_000L);
        assertEquals(written, StoredRecords.read(ResourceCodec.toJson(written)), ResourceCodec.toJson(written));
        String status = "{\"kind\":\"WorkloadEndpointStatus\",\"node\":\"h1\",\"endpointId\":\"e1\",\"state\":\"failed\",";
        String pool = "{\"kind\":\"IPPool\",\"cidr\":\"10.0.0.0/16\",";
        List<String> forms = List.of(
                status + "\"detail\":\"\\u0041\\/\\b\\f\\r\\u00E9\"}",
                status + "\"detail\":\"\\x\"}", status + "\"detail\":\"\\u12\"}", status + "\"detail\":\"a\u0001\"}",
                status + "\"detail\":\"\\", status + "\"detail\":\"abc", status + "\"de\\u0074ail\":\"x\",\"detail\":\"y\"}",
                status + "\"updatedAtMillis\":-0}", status + "\"updatedAtMillis\":9223372036854775807}",
                status + "\"updatedAtMillis\":123456789012345678}", status + "\"updatedAtMillis\":1e3}",
                status + "\"updatedAtMillis\":-}", status + "\"updatedAtMillis\":00}",
                pool + "\"blockSize\":2147483648}", pool + "\"blockSize\":-2147483649}", pool + "\"blockSize\":26}",
                pool + "\"blockSize\":026}", pool + "\"blockSize\":26 }", pool + "\"natOutgoing\":truex}",
                pool + "\"natOutgoing\":true}", pool + "\"natOutgoing\":fals}", pool + "\"natOutgoing\":true,}",
                pool + "\"natOutgoing\":true}\n", "{\"kind\" :\"IPPool\",\"cidr\":\"10.0.0.0/16\"}",
                "{\"kind\":\"WorkloadEndpoint\",\"node\":\"h1\",\"containerId\":\"c1\",\"endpointId\":\"e1\","
                        + "\"interfaceName\":\"jc1\",\"ipv4Nets\":[\"10.0.0.1/32\",],\"labels\":{}}",
                "{\"kind\":\"WorkloadEndpoint\",\"node\":\"h1\",\"containerId\":\"c1\",\"endpointId\":\"e1\","
                        + "\"interfaceName\":\"jc1\",\"ipv4Nets\":[],\"labels\":{\"a\":\"\\u0031\"},\"ports\":[{}]}",
                "{\"kind\":\"IPAMBlock\",\"cidr\":\"10.0.0.0/26\",\"allocations\":{\"1\":\"e1\",\"\\u0031\":\"e2\"}}");
        int answered = 0;
        for (String json : forms) {
            Resource stored = StoredRecords.read(json);
            if (stored != null) {
                answered++;
                assertEquals(byMapper(json), stored, json);
            }
        }
        assertTrue(answered >= 5, "only " + answered + " answered");
        assertEquals(new EndpointStatus("h1", "e1", EndpointStatus.State.failed, "A/\b\f\r\u00e9", 0), StoredRecords.read(forms.getFirst()));
    }

    /**
     * Read from UTF-8 bytes, as an agent's listing reads its values out of etcd's page, it answers what it answers for
     * their text, and the codec what it answers for the text, resource or error: on random forms of every kind, on
     * characters of every UTF-8 width, and on bytes that are not UTF-8 (which the text has as U+FFFD), in and out of
     * the strings.
     */
    @Test
    void readsFromBytesWhatItReadsFromTheirText() throws Exception {
        ResourceGenerator generator = new ResourceGenerator(ResourcePropertyTest.SEED + 4, 0.15);
        List<byte[]> values = new java.util.ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            Map<String, Object> raw = i % 3 == 0 ? generator.any() : generator.of(READ.get(i % READ.size()));
            values.add(PLAIN.writeValueAsString(raw).getBytes(StandardCharsets.UTF_8));
        }
        String status = "{\"kind\":\"WorkloadEndpointStatus\",\"node\":\"h1\",\"endpointId\":\"e1\",\"state\":\"failed\",";
        String endpoint = "{\"kind\":\"WorkloadEndpoint\",\"node\":\"h1\",\"containerId\":\"c1\",\"endpointId\":\"e1\","
                + "\"interfaceName\":\"jc1\",\"labels\":{\"app\":\"";
        byte[][] odd = {{(byte) 0xff}, {(byte) 0xc3}, {(byte) 0xe4, (byte) 0xb8}, {(byte) 0xf0, (byte) 0x9f, (byte) 0x98},
                {(byte) 0xc3, (byte) 0xa9}, {(byte) 0xe4, (byte) 0xb8, (byte) 0xad}, {(byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80},
                {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xc0, (byte) 0xaf}, {(byte) 0x80}};
        for (byte[] bytes : odd) {
            for (String before : List.of(status + "\"detail\":\"a", status + "\"detail\":\"", endpoint + "x", status)) {
                for (String after : List.of("\"}", "b\"}", "\\n\"}", "\\u00e9\"}", "\":1}")) {
                    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
                    out.writeBytes(bytes);
                    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
                    values.add(out.toByteArray());
                }
            }
        }
        int answered = 0;
        for (byte[] value : values) {
            String text = new String(value, StandardCharsets.UTF_8);
            // the value amid other bytes, as in a page
            byte[] page = new byte[value.length + 7];
            java.util.Arrays.fill(page, (byte) '"');
            System.arraycopy(value, 0, page, 3, value.length);
            Resource stored = StoredRecords.read(page, 3, value.length);
            assertEquals(StoredRecords.read(text), stored, text);
            answered += stored != null ? 1 : 0;
            assertEquals(outcome(() -> StoredForm.fromJson(text)), outcome(() -> StoredForm.fromJson(page, 3, value.length)), text);
        }
        assertTrue(answered > 500, "only " + answered + " answered");
    }

    /**
     * An endpoint's labels are not bounded in number: one of 40,000 labels (470 KB; etcd takes values of up to 1.5 MB)
     * is read no slower than the mapper reads it, and a duplicate among them is still left to the mapper. A scan of
     * the names met so far for each name was quadratic: 2.8 s against the mapper's 1.0 s here, and 34 s against 1.4 s
     * for 120,000 labels (1.45 MB), in an agent's loop at its start or at the record's change.
     */
    @Test
    void readsAnObjectOfManyNamesInLinearTime() {
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < 40_000; i++) {
            labels.append(i > 0 ? "," : "").append("\"a").append(i).append("\":\"\"");
        }
        String json = "{\"kind\":\"WorkloadEndpoint\",\"node\":\"h1\",\"containerId\":\"c1\",\"endpointId\":\"e1\","
                + "\"interfaceName\":\"jc1\",\"labels\":{" + labels + "}}";
        long mapper = Long.MAX_VALUE;
        long stored = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            Resource byTheMapper = byMapper(json);
            mapper = Math.min(mapper, System.nanoTime() - start);
            start = System.nanoTime();
            Resource read = StoredRecords.read(json);
            stored = Math.min(stored, System.nanoTime() - start);
            assertEquals(byTheMapper, read);
        }
        assertTrue(stored <= 2 * mapper, "read in " + stored / 1_000_000 + " ms, the mapper in " + mapper / 1_000_000 + " ms");
        assertNull(StoredRecords.read(json.replace("}}", ",\"a39999\":\"x\"}}")), "a duplicate, the last name");
        assertNull(StoredRecords.read(json.replace("\"a0\":\"\",", "\"a0\":\"\",\"a0\":\"\",")), "a duplicate, the first");
    }

    /** The resource, or the error's type and message. */
    private static Object outcome(java.util.function.Supplier<Resource> reading) {
        try {
            return reading.get();
        } catch (RuntimeException e) {
            return e.getClass() + ": " + e.getMessage();
        }
    }

    private static Resource byMapper(String json) {
        try {
            return ResourceCodec.fromJsonByMapper(json);
        } catch (ValidationException e) {
            return null;
        }
    }
}
