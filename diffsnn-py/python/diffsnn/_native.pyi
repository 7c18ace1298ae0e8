"""Type stubs of the native module (the Rust code); documentation in the docstrings."""

from os import PathLike
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from ._spikes import SpikeTrain

_Path = Union[str, PathLike[str]]
_Trains = Union[SpikeTrain, Sequence[SpikeTrain]]
_Callback = Callable[[int, float, "Model"], Any]
_GradientMap = Callable[[str, List[int]], Sequence[Tuple[npt.NDArray[np.float64], float, float]]]

class NumericalError(ArithmeticError): ...

class Model:
    @staticmethod
    def random(
        n_observed: int, n_hidden: int, *, amplitude: float = 5.0, n_basis: int = 2, seed: int = 0
    ) -> Model: ...
    @staticmethod
    def load(path: _Path) -> Model: ...
    def save(self, path: _Path) -> None: ...
    @staticmethod
    def from_json(text: str) -> Model: ...
    def to_json(self) -> str: ...
    @property
    def n_observed(self) -> int: ...
    @property
    def n_hidden(self) -> int: ...
    @property
    def n_neurons(self) -> int: ...
    @property
    def n_basis(self) -> int: ...
    @property
    def bias(self) -> npt.NDArray[np.float64]: ...
    @property
    def weights(self) -> npt.NDArray[np.float64]: ...
    @property
    def connection(self) -> npt.NDArray[np.bool_]: ...
    def params(self) -> npt.NDArray[np.float64]: ...
    def set_params(self, params: npt.NDArray[np.float64]) -> None: ...
    def simulate(
        self,
        t_end: float,
        *,
        t_start: float = 0.0,
        sequences: int = 1,
        seed: int = 0,
        max_events: int = 50_000_000,
    ) -> List[SpikeTrain]: ...
    def log_likelihood(
        self,
        trains: _Trains,
        *,
        compensator: str = "quadrature",
        mc_points: Optional[int] = None,
        seed: int = 0,
    ) -> npt.NDArray[np.float64]: ...
    def log_likelihood_gradient(
        self, train: SpikeTrain, *, regularisation: float = 0.0
    ) -> Tuple[float, npt.NDArray[np.float64]]: ...
    def intensity(
        self, train: SpikeTrain, times: Sequence[float]
    ) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def __eq__(self, other: object) -> bool: ...

class ExpHawkes:
    def __init__(self, mu: npt.ArrayLike, alpha: npt.ArrayLike, beta: float) -> None: ...
    @property
    def dim(self) -> int: ...
    @property
    def mu(self) -> npt.NDArray[np.float64]: ...
    @property
    def alpha(self) -> npt.NDArray[np.float64]: ...
    @property
    def beta(self) -> float: ...
    def spectral_radius(self) -> float: ...
    def simulate(
        self,
        t_end: float,
        *,
        t_start: float = 0.0,
        sequences: int = 1,
        seed: int = 0,
        max_events: int = 10_000_000,
    ) -> List[SpikeTrain]: ...
    def log_likelihood(self, trains: _Trains) -> npt.NDArray[np.float64]: ...
    def log_likelihood_gradient(
        self, train: SpikeTrain
    ) -> Tuple[float, npt.NDArray[np.float64]]: ...
    @staticmethod
    def fit(
        trains: _Trains,
        beta: float,
        *,
        fit_decay: bool = False,
        tolerance: float = 1e-8,
        max_iterations: int = 100,
        init: Optional[ExpHawkes] = None,
    ) -> Dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...

class FitResult:
    @property
    def model(self) -> Model: ...
    @property
    def q(self) -> Optional[Model]: ...
    @property
    def losses(self) -> List[float]: ...
    @property
    def temperatures(self) -> List[float]: ...
    @property
    def seconds(self) -> List[float]: ...
    @property
    def stopped_early(self) -> bool: ...
    @property
    def stopped_by_callback(self) -> bool: ...

def fit(
    trains: _Trains,
    hidden: int,
    options: Optional[Dict[str, Any]] = None,
    *,
    init: Optional[Model] = None,
    callback: Optional[_Callback] = None,
    gradient_map: Optional[_GradientMap] = None,
) -> FitResult: ...
def sequence_gradients(
    task: str,
    trains: Sequence[SpikeTrain],
    indices: Sequence[int],
    hidden: int,
    options: Optional[Dict[str, Any]] = None,
) -> List[Union[Tuple[npt.NDArray[np.float64], float, float], Tuple[str, str]]]: ...
def evaluate(
    model: Model,
    trains: _Trains,
    options: Optional[Dict[str, Any]] = None,
    *,
    variational: Optional[Model] = None,
) -> Dict[str, Any]: ...
def read_spikes(
    path: _Path, *, window: Optional[Tuple[float, float]] = None
) -> List[SpikeTrain]: ...
def write_spikes(path: _Path, trains: _Trains) -> None: ...
