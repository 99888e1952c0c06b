package org.jcalico.cni;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A failure as the CNI specification reports it: a well-known code (0-99) or one of jcalico's own (100 and up), a
 * short message and the details, printed on standard output as the error result.
 */
public final class CniError extends RuntimeException {
    public static final int INCOMPATIBLE_VERSION = 1;
    public static final int UNSUPPORTED_FIELD = 2;
    public static final int UNKNOWN_CONTAINER = 3;
    public static final int INVALID_ENVIRONMENT = 4;
    public static final int IO_FAILURE = 5;
    public static final int DECODING_FAILURE = 6;
    public static final int INVALID_CONFIG = 7;
    public static final int TRY_AGAIN_LATER = 11;
    public static final int NOT_AVAILABLE = 50;
    /** jcalico refused or could not make the attachment (the details say why); nothing of it was left behind. */
    public static final int ATTACHMENT_FAILED = 100;
    /** CHECK found the attachment other than as recorded. */
    public static final int NOT_AS_RECORDED = 101;
    /** A delegated IPAM plugin failed; its own error is in the details. */
    public static final int IPAM_FAILED = 102;
    /** A bug of jcalico's; standard error has the stack trace. */
    public static final int INTERNAL = 199;

    private final int code;
    private final String msg;
    private final String details;

    public CniError(int code, String msg, String details) {
        super(msg + (details == null || details.isEmpty() ? "" : ": " + details));
        this.code = code;
        this.msg = msg;
        this.details = details == null ? "" : details;
    }

    public int code() {
        return code;
    }

    /** The error result in the given version's form (the same in every version jcalico speaks). */
    public ObjectNode toJson(String cniVersion) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("cniVersion", cniVersion);
        json.put("code", code);
        json.put("msg", msg);
        if (!details.isEmpty()) {
            json.put("details", details);
        }
        return json;
    }
}
