-- Executive: every target against its actual for the complete months (attainment = actual / target)
select metric, month, target, actual, attainment
from marts.targets_vs_actuals
where tenant_id = %(tenant_id)s and is_complete and month >= %(since_month)s
order by metric, month
