"""Every AI write, by concern: generation (switches, quota, usage, the provider call), content
(product copy kept for review), replies (suggestions for the inbox), jobs (generations in the
background)."""
