package org.jcalico.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Kinds;
import org.jcalico.model.Resource;
import org.jcalico.resources.ResourceService;
import org.jcalico.util.Shown;

/**
 * How a table list shows the records it reads that cannot be read (written by hand, by another program, an older
 * jcalico): a row each after the readable ones, and how to remove one, where the list once failed on the first; and
 * how a count shows that it may have left such a record out.
 */
final class UnreadableRows {
    private UnreadableRows() {
    }

    /** After a list's table: a blank line, then the rows, if any. */
    static void print(PrintWriter out, List<ResourceStore.Unreadable> unreadable) {
        if (!unreadable.isEmpty()) {
            out.println();
            printAlone(out, unreadable);
        }
    }

    /** The rows alone, as `get KIND NAME` of such a record shows it. */
    static void printAlone(PrintWriter out, List<ResourceStore.Unreadable> unreadable) {
        Table table = new Table("KIND", "NAME", "STATE");
        Map<Class<? extends Resource>, Integer> byKind = new LinkedHashMap<>();
        for (ResourceStore.Unreadable record : unreadable) {
            table.row(Kinds.name(record.kind()), Shown.value(record.name()), "unreadable: " + Shown.value("the record " + record.problem()));
            byKind.merge(record.kind(), 1, Integer::sum);
        }
        table.print(out);
        byKind.forEach((kind, count) -> out.println(count + " " + (byKind.size() == 1 ? "" : Kinds.name(kind) + " ")
                + "record(s) cannot be read: 'jcalico delete " + Kinds.name(kind) + " NAME' "
                + (kind == IpamBlock.class ? "rebuilds one from the endpoints holding its addresses" : "removes one")
                + (ResourceService.managed(kind) ? " (docs/datastore.md, \"Records no command can read\")" : "")));
    }

    /**
     * What `get KIND NAME` and `profile show NAME` show of a record by name that cannot be read, if it is one: its row
     * alone (or, with `-o`, its item alone); true when shown, for the command to exit 1, as the resource asked for is not
     * there to be had (docs/datastore.md, "Records no command can read").
     */
    static boolean shownIfUnreadable(Session session, OutputOption output, Class<? extends Resource> kind, String name) {
        Optional<ResourceStore.Unreadable> unreadable = session.readStore().unreadable(kind, name);
        if (unreadable.isEmpty()) {
            return false;
        }
        if (output.isTable()) {
            printAlone(session.out(), List.of(unreadable.get()));
        } else {
            output.printUnreadable(session.out(), unreadable.get());
        }
        return true;
    }

    /** A count that left out records it could not read: "at least" it, for the rows above to say what. */
    static String count(long counted, boolean leftOut) {
        return leftOut ? "at least " + counted : Long.toString(counted);
    }
}
