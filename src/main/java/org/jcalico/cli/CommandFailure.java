package org.jcalico.cli;

/** A command could not do what was asked for a reason the user can act on; the message says which. */
public final class CommandFailure extends RuntimeException {
    public CommandFailure(String message) {
        super(message);
    }
}
