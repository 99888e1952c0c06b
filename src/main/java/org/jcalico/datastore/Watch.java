package org.jcalico.datastore;

/** A running watch; closing it stops deliveries (a delivery in progress may still finish). */
public interface Watch extends AutoCloseable {
    @Override
    void close();
}
