package org.jcalico.cni;

import org.jcalico.datastore.DatastoreException;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.ValidationException;
import org.jcalico.workload.WorkloadException;

/** What a service's failure is to the runtime: a datastore that cannot answer now is worth a retry; the rest is not. */
final class Failures {
    private Failures() {
    }

    static CniError of(RuntimeException e, String what) {
        if (e instanceof CniError error) {
            return error;
        }
        if (e instanceof DatastoreException) {
            return new CniError(CniError.TRY_AGAIN_LATER, what, "the datastore: " + e.getMessage());
        }
        if (e instanceof ValidationException || e instanceof WorkloadException || e instanceof KernelException) {
            return new CniError(CniError.ATTACHMENT_FAILED, what, e.getMessage());
        }
        throw e;
    }
}
