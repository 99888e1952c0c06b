package org.jcalico.felix.dataplane;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.kernel.KernelException;

/**
 * Isolating what the kernel refused, for a driver whose every write is applied whole or not at all (one table's
 * restore, one nft transaction): write everything with each suspect chain held drop-only, then release the held
 * chains in halves, each in a write of its own; a chain the kernel refuses on its own stays drop-only and is reported
 * under its name with the kernel's message. No write ever makes a suspect chain more open than desired, and k refused
 * chains among n cost about 2k log2 n small writes. Generic over the state a driver writes ({@code S}) and what it
 * knows the kernel holds after a write ({@code K}).
 */
public final class Isolation<S, K> {
    /** Writes a state over what the kernel holds; throws {@link KernelException} when refused (nothing changed). */
    @FunctionalInterface
    public interface Writer<S, K> {
        Written<K> write(S state, K kernel);
    }

    /** What the kernel holds after a write, and what the write (or the whole isolation) changed and failed. */
    public record Written<K>(K kernel, Changes changes) {
    }

    private final Function<Set<String>, S> holding;
    private final Writer<S, K> writer;
    private final Set<String> held;
    private K current;
    private Changes changes = Changes.NONE;

    private Isolation(List<String> suspects, Function<Set<String>, S> holding, Writer<S, K> writer) {
        this.holding = holding;
        this.writer = writer;
        this.held = new TreeSet<>(suspects);
    }

    /**
     * @param holding the desired state with the given chains drop-only
     * @throws KernelException when even the state holding every suspect is refused (nothing changed)
     */
    public static <S, K> Written<K> isolate(List<String> suspects, Function<Set<String>, S> holding, K kernel,
                                            Writer<S, K> writer) {
        Isolation<S, K> isolation = new Isolation<>(suspects, holding, writer);
        isolation.wrote(writer.write(holding.apply(Set.copyOf(isolation.held)), kernel));
        isolation.release(suspects);
        return new Written<>(isolation.current, isolation.changes);
    }

    /** {@code state} with each chain named in {@code held} holding only {@code dropOnly}. */
    public static IptablesState dropOnly(IptablesState state, Set<String> held, List<String> dropOnly) {
        return replaced(state, held, chain -> new Chain(chain.name(), dropOnly));
    }

    /** {@code state} with each chain named in {@code held} replaced by what REPLACEMENT makes of it. */
    public static IptablesState replaced(IptablesState state, Set<String> held, UnaryOperator<Chain> replacement) {
        Map<String, Map<String, Chain>> tables = new HashMap<>();
        state.tables().forEach((table, chains) -> {
            Map<String, Chain> copy = new HashMap<>(chains);
            chains.values().stream().filter(chain -> held.contains(chain.name()))
                    .forEach(chain -> copy.put(chain.name(), replacement.apply(chain)));
            tables.put(table, copy);
        });
        return new IptablesState(state.version(), tables, state.hooks(), state.maps());
    }

    private void wrote(Written<K> written) {
        current = written.kernel();
        changes = changes.plus(written.changes());
    }

    private void release(List<String> group) {
        held.removeAll(group);
        try {
            wrote(writer.write(holding.apply(Set.copyOf(held)), current));
        } catch (KernelException e) {
            if (group.size() == 1) {
                held.add(group.get(0));
                changes = changes.plus(Changes.failure(group.get(0), "the kernel refused chain " + group.get(0)
                        + " (" + e.getMessage() + "); it drops all traffic until this is fixed"));
                return;
            }
            held.addAll(group);
            release(group.subList(0, group.size() / 2));
            release(group.subList(group.size() / 2, group.size()));
        }
    }
}
