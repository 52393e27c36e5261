"""Configuration, the ground floor: settings, feed contracts and every derived name. Pure data and validation;
imports nothing else of the project, so every other package may import it."""
