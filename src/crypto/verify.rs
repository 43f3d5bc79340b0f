//! Public-key signature verification (filled in by the validation work).
