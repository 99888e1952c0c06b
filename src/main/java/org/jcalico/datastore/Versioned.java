package org.jcalico.datastore;

import org.jcalico.model.Resource;

/** A resource as read, with the revision to guard a later update or delete. */
public record Versioned<T extends Resource>(T resource, long revision) {
}
