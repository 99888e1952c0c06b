package org.jcalico.cli;

import java.io.PrintWriter;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.ValidationException;
import org.jcalico.util.Shown;
import org.jcalico.workload.WorkloadException;

/**
 * How a command's failure is printed and what exit status it gets, for {@link Main} and {@link SupervisorMain}: a user
 * error (bad input, an unreachable datastore, a kernel that refused, a command that cannot be done) is one "error:"
 * line and status 1; anything else is a bug of jcalico's, printed with its stack trace, status 70 (EX_SOFTWARE of
 * sysexits.h). Apart from Main so that the supervisor reports as a command does without loading the command line's
 * parser.
 */
final class ErrorReport {
    static final int USER_ERROR = 1;
    static final int INTERNAL_ERROR = 70;

    private ErrorReport() {
    }

    /** Prints a command's failure as its type says, with the stack trace when internal (or asked for); its exit status. */
    static int report(Throwable e, PrintWriter errors, boolean debug) {
        boolean user = isUserError(e);
        // what the message tells may come from anywhere (a datastore's key, etcd's or the kernel's message): one line,
        // its control characters written out, whatever it holds
        errors.println("error: " + Shown.escaped(user ? e.getMessage()
                : "internal error: " + e + " (please report it; the stack trace follows)"));
        if (debug || !user) {
            e.printStackTrace(errors);
        }
        errors.flush();
        return user ? USER_ERROR : INTERNAL_ERROR;
    }

    private static boolean isUserError(Throwable e) {
        return e instanceof ValidationException || e instanceof DatastoreException || e instanceof KernelException
                || e instanceof CommandFailure || e instanceof WorkloadException;
    }
}
