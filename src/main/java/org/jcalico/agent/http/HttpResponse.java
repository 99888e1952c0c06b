package org.jcalico.agent.http;

import java.nio.charset.StandardCharsets;

/** An answer: status, content type and body; the server adds the length and, when it closes, Connection: close. */
public record HttpResponse(int status, String contentType, byte[] body) {
    /** An error status with a line of text saying what it is, as the agent's error answers have always been read. */
    public static HttpResponse error(int status, String detail) {
        String text = status + " " + reason(status) + (detail.isEmpty() ? "" : ": " + detail) + "\n";
        return new HttpResponse(status, "text/plain;charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }

    /** The status line and headers, which state the body's length also in an answer to HEAD, which omits it. */
    byte[] head(boolean close) {
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + body.length + (close ? "\r\nConnection: close" : "") + "\r\n\r\n";
        return head.getBytes(StandardCharsets.ISO_8859_1);
    }
}
