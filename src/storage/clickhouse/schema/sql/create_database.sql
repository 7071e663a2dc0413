CREATE DATABASE IF NOT EXISTS {{ident database}}{{onCluster}}
