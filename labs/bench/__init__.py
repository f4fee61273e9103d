"""The case pipeline's benchmarks (`tracelab bench ...`): one module each, figures as ratios
against a baseline measured in the same run."""
