package org.jcalico.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.jcalico.cli.Main;

/**
 * A jcalico command in a JVM of its own that waits for a line on its input before it runs, so that two of them,
 * started and warmed up apart, run at the same moment. Prints "ready" once it waits for that line, and "exit N"
 * after the command's own output.
 */
public final class GatedCommandMain {
    static final String READY = "ready";

    private GatedCommandMain() {
    }

    public static void main(String[] args) throws Exception {
        Main.quietLibraryLogging();
        System.out.println(READY);
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        int status = Main.run(args);
        System.out.println("exit " + status);
        System.out.flush();
        Runtime.getRuntime().halt(status);
    }
}
