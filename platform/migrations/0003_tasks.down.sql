DROP INDEX tasks_by_status;
DROP TABLE tasks;
