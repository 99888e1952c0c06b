package org.jcalico.agent.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * HTTP/1.1's request grammar (RFC 9112) as far as the agent's clients use it, within the server's bounds: the request
 * line and headers together at most {@code maxHeaderBytes} (431 beyond), a body at most {@code maxBodyBytes} (413),
 * sent with Content-Length or chunked; anything malformed is refused with 400 rather than guessed at. The head is due
 * whole within its time bound from its first byte, the body within its own (the connection's watchdog enforces them).
 */
final class HttpRequestReader {
    private static final Pattern REQUEST_LINE = Pattern.compile("[A-Z]{1,16} [!-~]+ HTTP/1\\.[01]");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final int CHUNK_LINE_BYTES = 1024;
    private final int maxHeaderBytes;
    private final int maxBodyBytes;
    private final Duration head;
    private final Duration body;

    HttpRequestReader(int maxHeaderBytes, int maxBodyBytes, Duration head, Duration body) {
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxBodyBytes = maxBodyBytes;
        this.head = head;
        this.body = body;
    }

    /** The next request on the connection, or null when the client ended it cleanly between requests. */
    HttpRequest read(HttpConnection connection) throws IOException, HttpRefusal {
        if (connection.atEnd()) {
            return null;
        }
        // the request's first bytes are here: its line and headers are due whole within the head's bound
        connection.due(head);
        int budget = maxHeaderBytes;
        String requestLine = connection.readLine(budget, 431);
        budget -= requestLine.length() + 2;
        if (!REQUEST_LINE.matcher(requestLine).matches()) {
            throw new HttpRefusal(400, "malformed request line");
        }
        String[] parts = requestLine.split(" ");
        Map<String, String> headers = readFields(connection, budget);
        connection.due(body);
        byte[] content = readBody(connection, headers);
        connection.due(null);
        return new HttpRequest(parts[0], parts[1], parts[2], headers, content);
    }

    /** Header fields until the empty line, within what is left of the budget; a repeated name's values joined. */
    private static Map<String, String> readFields(HttpConnection connection, int budget) throws IOException, HttpRefusal {
        Map<String, String> fields = new HashMap<>();
        int left = budget;
        while (true) {
            if (left <= 0) {
                throw new HttpRefusal(431, "headers over the limit");
            }
            String line = connection.readLine(left, 431);
            left -= line.length() + 2;
            if (line.isEmpty()) {
                return fields;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !TOKEN.matcher(line.substring(0, colon)).matches()) {
                throw new HttpRefusal(400, "malformed header line");
            }
            String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            fields.merge(name, value, (first, next) -> first + ", " + next);
        }
    }

    private byte[] readBody(HttpConnection connection, Map<String, String> headers) throws IOException, HttpRefusal {
        String encoding = headers.get("transfer-encoding");
        String length = headers.get("content-length");
        if (encoding != null && length != null) {
            throw new HttpRefusal(400, "both Content-Length and Transfer-Encoding");
        }
        if (encoding != null) {
            if (!encoding.equalsIgnoreCase("chunked")) {
                throw new HttpRefusal(501, "transfer coding " + encoding);
            }
            continueIfAsked(connection, headers);
            return readChunks(connection);
        }
        if (length == null) {
            return new byte[0];
        }
        if (!length.matches("[0-9]{1,10}")) {
            throw new HttpRefusal(400, "malformed Content-Length");
        }
        long bytes = Long.parseLong(length);
        if (bytes > maxBodyBytes) {
            throw new HttpRefusal(413, "a body over " + maxBodyBytes + " bytes");
        }
        continueIfAsked(connection, headers);
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) bytes);
        connection.readBody((int) bytes, body);
        return body.toByteArray();
    }

    private static void continueIfAsked(HttpConnection connection, Map<String, String> headers) throws IOException {
        if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
            connection.sendContinue();
        }
    }

    /** A chunked body: chunks while their sum stays within the bound, then the trailer, which is read and dropped. */
    private byte[] readChunks(HttpConnection connection) throws IOException, HttpRefusal {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String line = connection.readLine(CHUNK_LINE_BYTES, 400);
            int extension = line.indexOf(';');
            String size = (extension < 0 ? line : line.substring(0, extension)).strip();
            if (!size.matches("[0-9A-Fa-f]{1,8}")) {
                throw new HttpRefusal(400, "malformed chunk size");
            }
            long bytes = Long.parseLong(size, 16);
            if (body.size() + bytes > maxBodyBytes) {
                throw new HttpRefusal(413, "a body over " + maxBodyBytes + " bytes");
            }
            if (bytes == 0) {
                readFields(connection, maxHeaderBytes);
                return body.toByteArray();
            }
            connection.readBody((int) bytes, body);
            if (!connection.readLine(2, 400).isEmpty()) {
                throw new HttpRefusal(400, "a chunk longer than its size");
            }
        }
    }
}
