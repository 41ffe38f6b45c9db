-- reports: the chart kernel and sparkline (doc/reports.md), against hand-computed values.
SET search_path = learnalytics, public;
SELECT learnalytics_internal.svg_escape('a<b & "c" ''d''>' || chr(7));
SELECT x, learnalytics_internal.fmt_number(x, 2) AS two, learnalytics_internal.fmt_number(x) AS zero
FROM unnest(ARRAY[0, 1234567.891, -1234.5, 999.995, NULL, 0.004]::numeric[]) x;
SELECT x, learnalytics_internal.fmt_compact(x)
FROM unnest(ARRAY[0, 0.5, 12.345, 950, 1000, 1234, 999999, 3.4e6, -2.5e9, 7.8e12, 1e21]::float8[]) x;
SELECT lo, hi, learnalytics_internal.svg_ticks(lo, hi)
FROM (VALUES (0, 10), (0, 7), (3, 3), (0, 0), (-3, -3), (-12, 47), (0, 1e15), (NULL, 1), (0.001, 0.0042)) v(lo, hi);
SELECT learnalytics_internal.svg_colour(i) FROM generate_series(0, 9) i;
SELECT learnalytics_internal.svg_fit('a long activity name that does not fit', 100, 10);
-- sparkline
SELECT sparkline('{0,1,2,3,4,5,6,7}');
SELECT sparkline('{0,1,2,3,4,5,6,7}', 0, 14);
SELECT sparkline('{3,NULL,5}', lo => 0);
SELECT sparkline('{5,5,5}'), sparkline('{0,0}'), sparkline('{}'), sparkline(NULL) IS NULL;
SELECT sparkline(ARRAY[1, 2]::bigint[]::float8[]);
SELECT sparkline('{1,NaN}');
SELECT sparkline('{1,2}', 3, 1);
SELECT sparkline('{{1,2},{3,4}}');
-- the empty chart is well-formed XML with a title and two axis labels
SELECT xml_is_well_formed_document(learnalytics_internal.svg_no_data('t', 400, 200, 'T & <x>', 'day', 'events')) AS well_formed,
       (xpath('count(//*[local-name()="text"][@class="axis-label"])',
              learnalytics_internal.svg_no_data('t', 400, 200, 'T', 'day', 'events')::xml))[1]::text AS axis_labels;
