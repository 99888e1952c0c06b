package org.jcalico.felix.calc;

import java.util.List;
import org.jcalico.model.Action;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.Rule;

/**
 * A datastore record that the agent cannot read and of which it read no earlier version (written by hand, by another
 * program or a newer jcalico, or damaged), of a kind that policy depends on: what it holds is unknown, so calc keeps
 * every local endpoint whose policy it could change dropped, in that direction, rather than enforce a policy that
 * matches less than the one written (docs/policy.md, "Session 48 (k-unknown)"; docs/datastore.md, "Session 48
 * (a-rec)"). {@code namespace} is the namespace its key names (null: none, or any for a global policy). {@code problem}
 * says why it cannot be read, its key in it. Also an address two records claim ({@link Reach#CLAIMED}, its
 * {@code nets}: none for the other reaches), whose owner is as unknown as an unread record's content.
 */
public record UnreadableRecord(String key, Reach reach, String namespace, String problem, List<Cidr> nets) {
    /** Which local endpoints the unknown content could change the verdicts of. */
    public enum Reach {
        /**
         * A policy: every endpoint it could apply to (the namespace's, or every one for a global policy), both ways.
         */
        POLICY,
        /**
         * A namespace: its own endpoints (their labels include the namespace's), both ways, and as for
         * {@link #PEERS} (its endpoints are peers whose namespace labels are unknown).
         */
        NAMESPACE,
        /**
         * An endpoint, network set or profile: a peer whose labels, nets or tags are unknown, so a rule that selects
         * peers could match it or not. Such a rule loosens the policy when it matches less than it should: a Deny or
         * Pass by tag, selector or namespaceSelector, or an Allow by notSelector. Every endpoint with such a rule in
         * a direction's policy or profile is dropped in that direction.
         */
        PEERS,
        /**
         * Addresses claimed by two records (two endpoints, or an endpoint and a node: docs/policy.md, "Session 51
         * (t-claim)"): whose labels a packet from them carries is unknown, so they are in no tag or selector set (an
         * Allow by one matches less), and a rule that then matches less than written fails closed as for
         * {@link #PEERS}.
         */
        CLAIMED
    }

    public UnreadableRecord {
        nets = List.copyOf(nets);
    }

    /** A record of REACH POLICY, NAMESPACE or PEERS: one that cannot be read. */
    public UnreadableRecord(String key, Reach reach, String namespace, String problem) {
        this(key, reach, namespace, problem, List.of());
    }

    /** An unreadable policy record: in NAMESPACE (null for a global policy's key). */
    public static UnreadableRecord policy(String key, String namespace, String problem) {
        return new UnreadableRecord(key, Reach.POLICY, namespace, problem);
    }

    /** NETS, claimed by the record under KEY and another, which PROBLEM names. */
    public static UnreadableRecord claimed(String key, List<Cidr> nets, String problem) {
        return new UnreadableRecord(key, Reach.CLAIMED, null, problem, nets);
    }

    /** Whether it could change what a POLICY-scoped look says for an endpoint of ENDPOINTNAMESPACE, in every direction. */
    boolean couldApplyIn(String endpointNamespace) {
        return switch (reach) {
            case POLICY -> namespace == null || namespace.equals(endpointNamespace);
            case NAMESPACE -> namespace.equals(endpointNamespace);
            case PEERS, CLAIMED -> false;
        };
    }

    /** Whether a rule's peers it could make match less than the rule says (see {@link Reach#PEERS}). */
    boolean unsettles(Rule rule) {
        if (reach == Reach.POLICY) {
            return false;
        }
        for (EntityMatch side : List.of(rule.source(), rule.destination())) {
            boolean byMembers = side.tag() != null || side.selector() != null || side.namespaceSelector() != null;
            if ((rule.action() == Action.DENY || rule.action() == Action.PASS) && byMembers
                    || rule.action() == Action.ALLOW && side.notSelector() != null) {
                return true;
            }
        }
        return false;
    }

    String reason(Direction direction) {
        String could = switch (reach) {
            case POLICY -> "a policy it may hold could apply to this endpoint";
            case NAMESPACE -> "the labels of this endpoint's namespace, or of a peer's, are unknown";
            case PEERS -> "it may describe a peer that a rule of this endpoint's " + direction + " policy or profile"
                    + " selects, which would then match less than written";
            case CLAIMED -> "whose packets come from it is unknown, so it is in no set, and a rule of this endpoint's "
                    + direction + " policy or profile that selects peers would match less than written";
        };
        return problem + ": " + could + ", so all " + direction + " traffic of this endpoint is dropped until "
                + (reach == Reach.CLAIMED ? "one claim is changed or removed" : "the record can be read or is removed");
    }
}
