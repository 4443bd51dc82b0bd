-- Revenue: ending MRR against its monthly target, and the forecast's expected value and its 80-percent band
-- for the running and later months (the chart "Ending MRR, forecast and target")
select month, is_complete, actual, target, attainment, expected_value, expected_lower_80, expected_upper_80,
       expected_attainment, expected_basis
from marts.targets_vs_actuals
where tenant_id = %(tenant_id)s and metric = 'mrr' and month >= %(since_month)s
order by month
