"""Item analysis of a closed sitting: facility, item–rest discrimination, option distribution
and flags per item; Cronbach's alpha and SEM per competency scale (docs/item-analysis.md)."""
