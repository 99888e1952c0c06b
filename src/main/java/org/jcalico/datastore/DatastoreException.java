package org.jcalico.datastore;

/** The datastore could not be reached or could not do what was asked; the message is fit for users. */
public class DatastoreException extends RuntimeException {
    public DatastoreException(String message) {
        super(message);
    }

    public DatastoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
