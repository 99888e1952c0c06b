package org.jcalico.checksystem;

/** One finding of `node checksystem`: what was checked, the verdict, what was seen, and how to fix it (null if OK). */
public record SystemCheck(String name, Result result, String detail, String fix) {
    public enum Result {
        OK, WARN, FAIL
    }

    static SystemCheck ok(String name, String detail) {
        return new SystemCheck(name, Result.OK, detail, null);
    }

    static SystemCheck warn(String name, String detail, String fix) {
        return new SystemCheck(name, Result.WARN, detail, fix);
    }

    static SystemCheck fail(String name, String detail, String fix) {
        return new SystemCheck(name, Result.FAIL, detail, fix);
    }
}
