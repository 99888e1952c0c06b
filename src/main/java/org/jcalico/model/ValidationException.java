package org.jcalico.model;

import org.jcalico.util.Shown;

/**
 * A value a user supplied is not acceptable; the message names the field and the value, on one line of bounded
 * length (the value shown as {@link Shown#value} shows it).
 */
public final class ValidationException extends RuntimeException {
    public ValidationException(String message) {
        super(Shown.escaped(message));
    }

    public static ValidationException field(String field, Object value, String problem) {
        return new ValidationException(field + ": '" + Shown.value(value) + "' " + problem);
    }
}
