package org.jcalico.cni;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The verbs of a CNI plugin; {@link #run} hands a request to its verb and gives what the runtime reads on stdout. */
interface CniVerbs {
    ObjectNode add(CniRequest request);

    void del(CniRequest request);

    void check(CniRequest request);

    void status(CniRequest request);

    void gc(CniRequest request);

    default String run(CniRequest request) {
        return switch (request.verb()) {
            case ADD -> add(request).toString();
            case DEL -> {
                del(request);
                yield "";
            }
            case CHECK -> {
                check(request);
                yield "";
            }
            case STATUS -> {
                status(request);
                yield "";
            }
            case GC -> {
                gc(request);
                yield "";
            }
            case VERSION -> CniPlugin.version(request).toString();
        };
    }
}
