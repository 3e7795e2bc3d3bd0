# Does nothing: boot, marker, and the khyve.exit action.
:
