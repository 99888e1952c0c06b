package org.jcalico.model;

/** A network set of either kind: labels for selectors, and the networks that join a matching selector's set. */
public sealed interface LabelledNets permits GlobalNetworkSet, NetworkSet {
    Metadata metadata();

    NetworkSetSpec spec();
}
