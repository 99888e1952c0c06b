package org.jcalico.cli;

import org.jcalico.model.Kinds;
import org.jcalico.model.Resource;
import org.jcalico.model.ValidationException;

/** Turns what a user typed as a kind ("ippool", "profiles", "pool") into the resource class. */
final class KindArgument {
    private KindArgument() {
    }

    static Class<? extends Resource> parse(String typed) {
        return Kinds.resolve(typed).map(Kinds::type).orElseThrow(() -> new ValidationException(
                "kind: '" + typed + "' is not a kind of resource (known: " + String.join(", ", Kinds.names()) + ")"));
    }
}
