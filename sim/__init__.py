"""SimPy discrete-event simulation of documents flowing through the axis network."""
