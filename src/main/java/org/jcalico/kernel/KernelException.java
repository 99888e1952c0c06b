package org.jcalico.kernel;

/** A kernel tool refused or failed; the message names the tool and its error. */
public final class KernelException extends RuntimeException {
    public KernelException(String message) {
        super(message);
    }
}
