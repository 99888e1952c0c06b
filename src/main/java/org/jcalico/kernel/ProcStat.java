package org.jcalico.kernel;

/** A line of /proc/PID/stat or /proc/PID/task/TID/stat. */
public final class ProcStat {
    private ProcStat() {
    }

    /**
     * The fields after the command name, which may hold spaces and ')': the first is the state (field 3 of proc(5)), so
     * field N of proc(5) is at index N - 3.
     */
    public static String[] fieldsAfterName(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }
}
