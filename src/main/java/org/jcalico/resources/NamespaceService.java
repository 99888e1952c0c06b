package org.jcalico.resources;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Retries;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.LabelEdit;
import org.jcalico.model.Namespace;

/** Namespaces' labels, which namespaceSelectors match; a namespace is created by its first label. */
public final class NamespaceService {
    private final ResourceStore store;

    public NamespaceService(ResourceStore store) {
        this.store = store;
    }

    /** The outcome of relabelling: the namespace after, its labels before, and whether this created it. */
    public record Relabelled(Namespace namespace, Map<String, String> before, boolean created) {
        public List<String> changes() {
            return LabelEdit.changes(before, namespace.labels());
        }
    }

    /**
     * Edits the namespace's labels by compare-and-swap on its record (created if absent), so that an edit made
     * meanwhile by someone else is never lost.
     */
    public Relabelled label(String name, List<LabelEdit> edits) {
        Namespace.checkName("namespace", name);
        return Retries.run(() -> {
            Optional<Versioned<Namespace>> read = store.get(Namespace.class, name);
            Namespace was = read.map(Versioned::resource).orElse(new Namespace(name, null));
            Namespace edited = was.withLabels(LabelEdit.apply(was.labels(), edits));
            if (read.isEmpty()) {
                store.create(edited);
            } else if (!edited.equals(was)) {
                store.update(edited, read.get().revision());
            }
            return new Relabelled(edited, was.labels(), read.isEmpty());
        });
    }

    public List<Namespace> list() {
        return store.list(Namespace.class).stream().map(Versioned::resource).toList();
    }
}
