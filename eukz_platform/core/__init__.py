"""What every feature builds on: organisations' records, their names' keys and the platform's
vocabulary. It imports no feature package, so that every feature may import it."""
