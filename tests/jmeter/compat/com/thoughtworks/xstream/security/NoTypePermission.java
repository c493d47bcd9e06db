/*
 * Compatibility shim for Debian's JMeter 2.13 (package jmeter 2.13-5) with Debian 12's XStream 1.4.20.
 *
 * XStream 1.4.18+ denies every class not explicitly allowed, and JMeter 2.13 predates that: it
 * allows nothing, so it cannot load any .jmx ("ForbiddenClassException:
 * org.apache.jmeter.save.ScriptWrapper"). run-tests.sh compiles this class and puts it ahead of
 * XStream on JMeter's classpath. It replaces XStream's catch-all "deny" rule (the last rule
 * consulted) with one that also lets JMeter's own classes through, which is what later JMeter
 * releases configure themselves. Every other class is still refused, as XStream does.
 *
 * Same public API as XStream 1.4.20's NoTypePermission.
 */
package com.thoughtworks.xstream.security;

public class NoTypePermission implements TypePermission {

    public static final TypePermission NONE = new NoTypePermission();

    @Override
    public boolean allows(final Class type) {
        final String name = type == null ? "" : type.getName();
        if (name.startsWith("org.apache.jmeter.") || name.startsWith("org.apache.jorphan.")) {
            return true;
        }
        throw new ForbiddenClassException(type);
    }

    @Override
    public int hashCode() {
        return 1;
    }

    @Override
    public boolean equals(final Object obj) {
        return obj != null && obj.getClass() == NoTypePermission.class;
    }
}
