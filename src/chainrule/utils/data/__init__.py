"""Datasets, samplers and the DataLoader, with ``torch.utils.data``'s names and behaviour.

Example:
    >>> import chainrule as cr
    >>> from chainrule.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(cr.arange(10.0).reshape(5, 2), cr.arange(5))
    >>> [tuple(y.tolist()) for _, y in DataLoader(ds, batch_size=2)]
    [(0, 1), (2, 3), (4,)]
"""

from chainrule.utils.data import distributed
from chainrule.utils.data.dataloader import (
    DataLoader,
    default_collate,
    default_convert,
    get_worker_info,
)
from chainrule.utils.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from chainrule.utils.data.distributed import DistributedSampler
from chainrule.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
    "StackDataset", "random_split", "Sampler", "SequentialSampler", "RandomSampler",
    "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "DistributedSampler",
    "DataLoader", "default_collate", "default_convert", "get_worker_info",
]
