/**
 * The dataplane-neutral rule model between calc and the renderers (Felix's "rules" cut): calc says what to match
 * (protocol, nets, a set's members, ports, ICMP, marks, interfaces, connection state) and what to do (accept, drop,
 * return, jump, set a mark bit, log), and where each rule comes from ({@link org.jcalico.felix.program.Origin});
 * a renderer (today iptables, {@code org.jcalico.felix.render.iptables}) says how. Nothing here knows a syntax.
 */
package org.jcalico.felix.program;
