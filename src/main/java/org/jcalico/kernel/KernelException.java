package org.jcalico.kernel;

/** A kernel tool refused or failed; the message names the tool and its error. */
public class KernelException extends RuntimeException {
    public KernelException(String message) {
        super(message);
    }
}
