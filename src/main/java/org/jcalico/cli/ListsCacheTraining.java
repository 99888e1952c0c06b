package org.jcalico.cli;

/**
 * What the JVM that records the lists' start-up cache runs (the launcher: `java -XX:AOTCacheOutput=... -cp jcalico.jar
 * org.jcalico.cli.ListsCacheTraining STORE`): `pool list` and `container list` once each against the store that the
 * everyday commands' training left (a pool, a block, an endpoint, its status), as Main.main runs a list. A main of its
 * own, not a command of picocli's: whatever this JVM loads the cache holds, and every list loads all of it at its start
 * (the JDK 25 cache with its classes linked loads each one, from the JDK and from the jars, before main). Through picocli
 * the cache held picocli's classes, the class-file API and the method handles that its reflection spun, 600 classes a
 * list never uses (docs/agent.md, "Start-up of a command", session 63).
 */
public final class ListsCacheTraining {
    private ListsCacheTraining() {
    }

    /** ARGS: the datastore's URL. */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("error: usage: ListsCacheTraining DATASTORE-URL");
            System.exit(2);
        }
        Main.quietLibraryLogging();
        Main.fixedTimeZoneFor("pool", "list");
        for (String command : new String[] {"pool", "container"}) {
            Main.runOwnJvm("--datastore", args[0], command, "list");
        }
    }
}
