package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UnixSocketHttpTest {
    private static UnixSocketHttp.Reply parse(String raw) throws IOException {
        return UnixSocketHttp.parse(raw.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void bodyEndsAtContentLength() throws IOException {
        UnixSocketHttp.Reply reply = parse("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"a\":1}\nextra");
        assertEquals(200, reply.status());
        assertEquals("{\"a\":1}\n", reply.body());
    }

    @Test
    void chunkedBodyIsReassembled() throws IOException {
        UnixSocketHttp.Reply reply = parse("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\n{\"mes\r\nb;ext=1\r\nsage\":\"no\"}\r\n0\r\n\r\n");
        assertEquals(404, reply.status());
        assertEquals("{\"message\":\"no\"}", reply.body());
    }

    @Test
    void bodyRunsToTheEndWithoutLength() throws IOException {
        assertEquals("OK", parse("HTTP/1.0 200 OK\r\n\r\nOK").body());
    }

    @Test
    void malformedRepliesAreErrors() {
        assertThrows(IOException.class, () -> parse("HTTP/1.1 200 OK\r\nno end"));
        assertThrows(IOException.class, () -> parse("SSH-2.0-OpenSSH\r\n\r\n"));
        assertThrows(IOException.class, () -> parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
        assertThrows(IOException.class, () -> parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort\r\n"));
    }
}
