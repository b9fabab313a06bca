"""Synthetic, realistic and deterministic peer-support outcome data (``peerbench synth``).

Library API: ``generate(SynthConfig(...))`` returns a :class:`SyntheticDataset` of Arrow
tables conformed to the standard's schemas (plus a manifest of any injected errors), and
``write_dataset(dataset, out_dir, file_format)`` writes it. The model behind the data is
documented in each module's docstring: ``organisations``, ``instrument_plan``,
``population``, ``latent``, ``schedule``, ``outcomes``, ``service_use``, ``feedback`` and
``errors``.
"""

from peerbench.synth.config import SynthConfig
from peerbench.synth.generator import SyntheticDataset, generate
from peerbench.synth.writer import write_dataset

__all__ = ["SynthConfig", "SyntheticDataset", "generate", "write_dataset"]
