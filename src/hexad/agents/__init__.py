"""The MSP agents (CPI, SLI, DSA, RAM, SPO, VCM), their shared contract, findings store and rules."""
