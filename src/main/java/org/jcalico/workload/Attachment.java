package org.jcalico.workload;

/** A container attached to its host: the two ends of the veth pair and the MAC its traffic comes from. */
public record Attachment(String hostInterface, String containerInterface, String mac) {
}
