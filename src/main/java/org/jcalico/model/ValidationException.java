package org.jcalico.model;

/**
 * A value a user supplied is not acceptable; the message names the field and the value, on one line (control
 * characters in the value are shown escaped).
 */
public final class ValidationException extends RuntimeException {
    public ValidationException(String message) {
        super(Names.printable(message));
    }

    public static ValidationException field(String field, Object value, String problem) {
        return new ValidationException(field + ": '" + value + "' " + problem);
    }
}
