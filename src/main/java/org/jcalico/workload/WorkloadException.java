package org.jcalico.workload;

/** A container could not be found, attached or detached; the message is one line naming what and why. */
public final class WorkloadException extends RuntimeException {
    public WorkloadException(String message) {
        super(message);
    }
}
