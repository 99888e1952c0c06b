package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a rule does with a packet it matches, as Calico defines it: Allow and Deny decide, Pass skips the rest of the
 * tier to the next tier that has a policy for the endpoint (policies only), Log logs the packet and goes on to the
 * next rule. Written "Allow" as in Calico's API; jcalico's earlier lower-case "allow" reads the same.
 */
public enum Action {
    ALLOW, DENY, PASS, LOG;

    @JsonCreator
    public static Action parse(String text) {
        for (Action action : values()) {
            if (action.toString().equals(text) || action.calicoName().equals(text)) {
                return action;
            }
        }
        throw ValidationException.field("action", text, "is not Allow, Deny, Pass or Log");
    }

    /** Calico's spelling, used in files. */
    @JsonValue
    public String calicoName() {
        return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
    }

    /** Whether the action ends the evaluation of a policy (Log goes on). */
    public boolean decides() {
        return this != LOG;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
