"""Pure decoders: vendor bytes in, SI arrays out. No I/O, no clocks, no state beyond arguments."""
