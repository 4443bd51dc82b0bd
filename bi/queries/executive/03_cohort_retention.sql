-- Executive: store cohort retention curves, last 12 cohorts
select cohort_month, month_number, cohort_size, retention_rate, cumulative_revenue_per_customer
from marts.cohort_retention
where tenant_id = %(tenant_id)s and cohort_month >= %(since_month)s
order by cohort_month, month_number
