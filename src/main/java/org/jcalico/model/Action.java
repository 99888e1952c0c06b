package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

public enum Action {
    ALLOW, DENY;

    @JsonCreator
    public static Action parse(String text) {
        for (Action action : values()) {
            if (action.toString().equals(text)) {
                return action;
            }
        }
        throw new ValidationException("action: '" + text + "' is not allow or deny");
    }

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
