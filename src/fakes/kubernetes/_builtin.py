"""The controllers a new FakeCluster runs: kube-controller-manager's, the scheduler's
and the kubelet's part of a real cluster, each switchable off by name."""

from __future__ import annotations

from fakes.kubernetes._accounts import RootCAPublisher, ServiceAccountController
from fakes.kubernetes._controllers import Controller
from fakes.kubernetes._daemonsets import DaemonSetController
from fakes.kubernetes._deployments import DeploymentController
from fakes.kubernetes._jobs import CronJobController, JobController, TTLAfterFinishedController
from fakes.kubernetes._replicasets import ReplicaSetController
from fakes.kubernetes._scheduler import Scheduler
from fakes.kubernetes._statefulsets import StatefulSetController
from fakes.kubernetes._volumes import PersistentVolumeBinder


def builtin_controllers(*, ca_pem: str) -> list[Controller]:
    return [
        ServiceAccountController(),
        RootCAPublisher(ca_pem),
        ReplicaSetController(),
        DeploymentController(),
        JobController(), TTLAfterFinishedController(), CronJobController(),
        StatefulSetController(), DaemonSetController(), PersistentVolumeBinder(),
        Scheduler(),
    ]
