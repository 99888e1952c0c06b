package org.jcalico.cli;

import java.io.PrintWriter;
import java.util.List;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Kinds;
import org.jcalico.model.Resource;
import org.jcalico.util.Shown;

/**
 * How a table list shows the records of its kind that cannot be read (written by hand, by another program, an older
 * jcalico): a row each after the readable ones, and how to remove one, where the list once failed on the first.
 */
final class UnreadableRows {
    private UnreadableRows() {
    }

    static void print(PrintWriter out, Class<? extends Resource> kind, List<ResourceStore.Unreadable> unreadable) {
        if (unreadable.isEmpty()) {
            return;
        }
        Table table = new Table("KIND", "NAME", "STATE");
        unreadable.forEach(record -> table.row(Kinds.name(kind), Shown.value(record.name()),
                "unreadable: " + Shown.value("the record " + record.problem())));
        out.println();
        table.print(out);
        out.println(unreadable.size() + " record(s) cannot be read: 'jcalico delete " + Kinds.name(kind) + " NAME' removes one");
    }
}
