package org.jcalico.agent.http;

/**
 * A request the server answers with an error status of its own and then closes the connection: it is malformed or
 * over a bound, and what follows it on the connection cannot be trusted to start a request.
 */
final class HttpRefusal extends Exception {
    private final int status;

    HttpRefusal(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }
}
